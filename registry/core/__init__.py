"""Framework-free pieces shared by features: db base and types, clock, ids, errors, crypto."""
