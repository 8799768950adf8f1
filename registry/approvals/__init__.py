"""Written approvals: the record of legal's written approval (note, evidence, what it states),
its form and its API shapes, shared by everything that escalates (the talent gate and GenAI
triage), and legal's refusals.

The flows that approve live with what they approve (``gate/use_requests/approvals.py``,
``triage/approvals.py``); this
package never imports them. ``documents`` keeps the signed approvals, encrypted under keys of
their own (the key store the performers feature runs). May import: ``core``, ``extensions``,
``appctx``, ``transactions``, ``audit``, ``web``, ``performers``.
"""
