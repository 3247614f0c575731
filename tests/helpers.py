"""What a visitor sees in a response."""

from bs4 import BeautifulSoup


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def text_of(response) -> str:
    """The words a visitor reads on the page, whitespace collapsed."""
    return " ".join(soup(response).get_text(" ").split())
