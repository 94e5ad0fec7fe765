"""Device room: adb access, attestation, set-up and restore, screen recording."""
