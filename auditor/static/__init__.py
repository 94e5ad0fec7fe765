"""Static APK analysis: what the APK itself says before the phone is touched.

One job per module: `container` opens APKs and split bundles within bounds, `manifest` reads the binary
manifest and the signing certificates, `dex` parses dex files lean, `apis` lists the privacy APIs,
`callsites` finds the instructions that reference them, `sdks` matches Exodus code signatures,
`reach` attributes each call site to first-party, SDK or library code and walks callers back,
`endpoints` lists network endpoints, `scan` assembles the report, `store` puts it in a case.
"""
