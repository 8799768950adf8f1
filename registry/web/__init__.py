"""HTTP plumbing shared by features: authentication (sessions and bearer tokens), errors."""
