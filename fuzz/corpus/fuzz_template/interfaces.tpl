# {{ trigger }} {{ path }}
auto lo
iface lo inet loopback
{% for name, dev in devices %}{% if dev.type == "nic" %}
auto {{ name }}
iface {{ name }} inet dhcp # on {{ dev["parent"]|default:"none" }}
{% endif %}{% empty %}# no devices
{% endfor %}
