{% if (not config.missing) == true and num >= 0 %}{{ 42 }}{% elif devices.eth0 %}{{ devices.eth0.parent }}{% else %}{{ true }}{% endif %}{{ nothing|default_if_none:"n" }}{{ 'it\'s' }}{{ "q\"q" }}
{{ 1 == 1 }} {{ list.3 == list.3 }} {{ list.5 == list.5 }} {{ "1e3" > 5 }} {{ list.1 <= 0 }} {{ !list.2 }} {{ "b" in list }} {{ "x" in config }}
