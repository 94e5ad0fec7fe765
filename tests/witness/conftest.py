"""The capture tests' loopback world (CA, TLS upstream on 127.0.0.2, world file, case), and a capture with
--pcap."""

from tests.capture.conftest import case, confdir, pki, upstream, world  # noqa: F401  (fixtures)
from tests.witness.pcap_capture import capture  # noqa: F401  (fixture)
