"""The collector pause: off inside, restored after (also after a failure), and left off when it was off."""

from __future__ import annotations

import gc

import pytest

from auditor.collector import paused


def test_the_collector_is_paused_inside_and_restored_after_even_on_failure():
    assert gc.isenabled()
    with pytest.raises(ValueError, match="inside"):
        with paused():
            assert not gc.isenabled()
            raise ValueError("inside")
    assert gc.isenabled()


def test_a_collector_already_off_stays_off():
    gc.disable()
    try:
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
