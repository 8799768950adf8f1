"""Written approvals: the record of legal's written approval (note, evidence, what it states),
its form and its API shapes, shared by everything that escalates (the talent gate today).

The flows that approve live with what they approve (``gate/use_requests/approvals.py``); this
package never imports them. May import: ``core``, ``web``.
"""
