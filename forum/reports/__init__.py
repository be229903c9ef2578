"""Staff reports on the community, shown in the Wagtail admin."""
