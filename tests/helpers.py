"""What a visitor sees in a response."""

from bs4 import BeautifulSoup


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def text_of(response) -> str:
    """The words a visitor reads on the page, whitespace collapsed."""
    return " ".join(soup(response).get_text(" ").split())


def csrf_token(client, url: str = "/") -> str:
    """The CSRF token a page gives this client (the one htmx sends from <body>)."""
    import json

    page = soup(client.get(url))
    return json.loads(page.body["hx-headers"])["X-CSRFToken"]


# What htmx sends with each of its requests (it always says from which page).
HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/"}


# The engine the suite runs on (tests/conftest.py): "sqlite", or "postgresql" when
# MASTERCLASS_TEST_DATABASE_URL names a PostgreSQL server.
ENGINE = "postgresql" if __import__("os").environ.get("MASTERCLASS_TEST_DATABASE_URL") else "sqlite"
