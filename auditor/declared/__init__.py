"""What the app declares: its Play Store Data safety form and the recipients and countries its privacy policy names."""
