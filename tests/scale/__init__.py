"""Scale-out: several web and scheduler hosts on one PostgreSQL database and key store."""
