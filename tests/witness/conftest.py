"""The capture tests' loopback world (CA, TLS upstream on 127.0.0.2, world file, case), reused as is."""

from tests.capture.conftest import case, confdir, pki, upstream, world  # noqa: F401  (fixtures)
