"""The server-drawn bar charts: an image with a name and a description, every bar labelled
with its number, a second series hatched as well as coloured, colours as SVG attributes, and
nothing a label says is taken as markup."""

from __future__ import annotations

from bs4 import BeautifulSoup

from app.dashboard.charts import BAR_SPACE, LABEL_CHARS, bar_chart
from app.dashboard.figures import Figure, Row
from app.formatting import decimal
from app.i18n import use_locale


def _figure(**changes) -> Figure:  # type: ignore[no-untyped-def]
    base = {
        "slug": "owners",
        "title": "Open and overdue conditions by owner",
        "explanation": "",
        "row_header": "Owner",
        "series": ("Outstanding", "Overdue"),
        "series_keys": ("outstanding", "overdue"),
        "rows": (
            Row("a", "<script>alert(1)</script>", (4, 1)),
            Row("b", "Een heel lange naam van een afdeling die niet past", (2, 0)),
        ),
        "styles": ("plain", "overdue"),
        "unit": "conditions",
    }
    return Figure(**{**base, **changes})


def _svg(figure: Figure) -> BeautifulSoup:
    with use_locale("nl"):
        markup = bar_chart(figure, chart_id="chart-x", number=decimal)
    return BeautifulSoup(str(markup), "xml")


def test_it_names_and_describes_the_chart_for_assistive_technology():
    svg = _svg(_figure()).svg
    assert svg["role"] == "img"
    assert svg["aria-labelledby"] == "chart-x-title chart-x-desc"
    assert svg.title.get_text() == "Open and overdue conditions by owner"
    assert svg.desc.get_text() == (
        "<script>alert(1)</script>: Outstanding 4, Overdue 1; Een heel lange naam van een "
        "afdeling die niet past: Outstanding 2, Overdue 0 (conditions)."
    )


def test_it_escapes_every_label():
    markup = str(bar_chart(_figure(), chart_id="chart-x", number=decimal))
    assert "<script>" not in markup
    assert "&lt;script&gt;" in markup


def test_it_labels_every_bar_with_its_series_and_number_and_hatches_the_second_series():
    svg = _svg(_figure()).svg
    texts = [t.get_text() for t in svg.find_all("text")]
    assert texts[:3] == ["<script>alert(1)</script>", "Outstanding", "4"]
    assert [t.get_text() for t in svg.find_all("text", class_="chart-value")] == [
        "4",
        "1",
        "2",
        "0",
    ]
    bars = [r for r in svg.find_all("rect") if r.parent.name != "pattern"]
    assert bars[0]["fill"] == "#1f4e79"
    assert bars[1]["fill"] == "url(#chart-x-overdue)"
    assert svg.find("pattern", id="chart-x-overdue")
    assert float(bars[0]["width"]) == BAR_SPACE  # the longest bar fills the space
    assert float(bars[1]["width"]) == BAR_SPACE / 4
    assert len(bars) == 3  # a zero draws no bar, only its number
    assert all(b["stroke"] == "currentColor" for b in bars)


def test_it_shortens_a_long_label_in_the_chart_only():
    figure = _figure(
        series=("Conditions",),
        series_keys=("n",),
        styles=(),
        rows=(Row("b", "Een heel lange naam van een afdeling die niet past", (2,)),),
    )
    label = _svg(figure).svg.find("text").get_text()
    assert len(label) <= LABEL_CHARS and label.endswith("…")
    assert "Een heel lange naam van een afdeling die niet past" in _svg(figure).svg.desc.get_text()


def test_it_writes_numbers_as_the_reader_does():
    figure = _figure(
        series=("Days",),
        series_keys=("days",),
        styles=(),
        rows=(Row("median", "Mediaan", (1234.5,)),),
    )
    assert _svg(figure).svg.find("text", class_="chart-value").get_text() == "1.234,5"
