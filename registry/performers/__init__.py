"""Performers: public fields in clear, personal fields encrypted with a data key of their own;
erasure (crypto-shredding) tells the features that keep sealed data through a signal.

May import: ``core``, ``extensions``, ``transactions``, ``appctx``, ``audit``, ``web``,
``accounts``, ``productions``.
"""
