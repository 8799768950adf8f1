"""Productions (and pitches and concepts) and who is a member of each.

May import: ``core``, ``extensions``, ``transactions``, ``audit``, ``web``, ``accounts``, ``rules``
(the vocabulary).
"""
