"""Why the matcher proposed a response, for the pages that show its proposals."""

from django import template

from iisg.analysis.learning import reason_line, reasons

register = template.Library()


@register.simple_tag
def with_reasons(responses):
    """Each of `responses` with why it was proposed, in one line (learning.reason_line): the words
    that matched, the sectors and the history behind it. [(response, line)], in a constant number
    of queries however many responses."""
    responses = list(responses)
    pairs = [(response.need_id, response.action_id) for response in responses]
    terms = {pair: response.matched_terms for pair, response in zip(pairs, responses, strict=True)}
    found = reasons(pairs, terms=terms)
    return [(response, reason_line(found[pair])) for pair, response in zip(pairs, responses, strict=True)]
