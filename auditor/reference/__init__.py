"""The reference app's runtime side: its test world, the TLS servers standing in for the internet, and the
launcher of the app built as a JVM program (reference/ at the repository top holds its sources and builds)."""
