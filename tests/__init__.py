"""The registry's tests. Each folder mirrors a package of ``registry/`` (``app/`` holds the
top-level modules and what spans the whole app); ``factories`` is the one set of factories;
the modules here are the servers, browser and databases the tests run against."""
