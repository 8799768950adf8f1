"""The pipeline's commands, one module each: ``registry-ask`` (``ask``),
``registry-check-cut`` (``check_cut``) and ``registry-verify-receipt`` (``verify``); what they
share is in ``common``.

Exit codes, the same for all three, so a render-farm pre-flight can branch on them:

- 0: go (an allow that is valid; nothing blocks the cut; the receipt verifies);
- 2: escalate (``registry-ask``: a person must act first; the next step says who and what);
- 3: stop (a deny, or a decision no longer valid; a file blocks delivery; a receipt refused);
- 1: error (unreachable registry, bad flags, a refusal by the API such as 401, 403, 404, 422).

Configuration: ``--url`` or ``REGISTRY_URL``; the API token from ``REGISTRY_TOKEN`` or a file
(``--token-file`` or ``REGISTRY_TOKEN_FILE``), never a flag, so it does not show in the
process list.
"""
