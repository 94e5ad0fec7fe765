"""Coverage from hook.status reports: installed anywhere wins, the last reason is kept, the table is bounded."""

from auditor.instrument.coverage import MAX_APIS, Coverage


def _status(api, installed, overloads=0, error=None):
    return {"api": api, "hooked_class": api.rpartition(".")[0], "installed": installed, "overloads": overloads,
            "error": error}


def test_an_interface_hooked_later_counts_as_installed():
    coverage = Coverage()
    coverage.add(_status("a.Client.get", False, error="no implementation loaded yet"))
    coverage.add(_status("b.Missing.run", False, error="NoClassDefFoundError"))
    coverage.add(_status("a.Client.get", True, 2))
    coverage.add(_status("a.Client.get", True, 1))
    coverage.add(_status("a.Client.get", False, error="second implementation failed"))
    assert coverage.as_dict() == {"installed": {"a.Client.get": 3},
                                  "not_installed": {"b.Missing.run": "NoClassDefFoundError"}, "overflow": 0}


def test_a_flood_of_distinct_apis_is_counted_not_kept():
    coverage = Coverage()
    for i in range(MAX_APIS + 5):
        coverage.add(_status(f"x.C.m{i}", False, error="e"))
    coverage.add(_status("x.C.m0", True, 1))   # a known API still updates
    result = coverage.as_dict()
    assert (len(result["not_installed"]), result["overflow"], result["installed"]) == (MAX_APIS - 1, 5, {"x.C.m0": 1})
