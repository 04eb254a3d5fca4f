"""quizapp.exchange.base: splitting a cloze card's prompt around its blanks."""
import re

from hypothesis import given, strategies as st

from quizapp.exchange.base import split_blanks

LAZY_REGEX = re.compile(r'<span class="cloze-blank">\[.*?\]</span>', re.DOTALL)
PIECES = ['<span class="cloze-blank">[', "]</span>", "]", "<code>x</code>", "a", "\n", "[", "</span>"]


def test_splits_around_each_blank():
    html = '<p>A <span class="cloze-blank">[port]</span> and <span class="cloze-blank">[…]</span>.</p>'
    assert split_blanks(html) == ["<p>A ", " and ", ".</p>"]


def test_an_unclosed_blank_stays_text():
    assert split_blanks('x <span class="cloze-blank">[oops') == ['x <span class="cloze-blank">[oops']


@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_same_result_as_the_lazy_regex_it_replaces(html):
    assert split_blanks(html) == LAZY_REGEX.split(html)


def test_crafted_html_is_split_in_one_pass():
    # 20,000 unclosed openings: the lazy regex retried from each one scans the rest each time (quadratic).
    html = '<span class="cloze-blank">[' * 20_000
    assert split_blanks(html) == [html]
