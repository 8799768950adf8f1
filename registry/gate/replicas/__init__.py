"""Digital replicas: registered only from an allowed replica.create request.

Its services may use ``use_requests``' services (the request that allowed the replica).
"""
