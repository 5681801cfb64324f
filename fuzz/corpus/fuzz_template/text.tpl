plain text, no tags at all: ÿ
{ } % # }} %}
