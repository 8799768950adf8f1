"""Digital replicas: registered only from an allowed replica.create request."""
