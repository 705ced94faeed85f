from .fixtures import demo_site, member_client  # noqa: F401 - fixtures of this package's tests
