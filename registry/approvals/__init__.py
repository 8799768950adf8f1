"""Written approvals recorded by legal on escalated requests."""
