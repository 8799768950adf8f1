"""Performers: public fields in clear, personal fields encrypted with a data key of their own."""
