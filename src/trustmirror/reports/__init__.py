"""Charts and documents built from analysis results that passed the privacy policy."""
