"""Use requests and their decisions: the gate every replication, alteration or re-use passes."""
