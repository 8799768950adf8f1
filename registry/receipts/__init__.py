"""Signed receipts, the registry's one JWS signer and its one verifier.

Consent receipts, termination receipts, decision receipts, triage receipts and audit
checkpoints are all compact JWS (``alg: EdDSA``, ``kid``) over canonical JSON, made by
``signer.Signer`` and checked by ``verify.verify_receipt`` against the published JWKS
(``/.well-known/jwks.json``): anyone can check one offline (``flask --app wsgi receipts
verify FILE``). What each receipt says is built by the feature that issues it.

May import: ``core`` and ``appctx`` (the app's key ring). Imported by every feature that signs.
"""
