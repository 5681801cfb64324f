#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Debian's Ansible (community.general 6, unchanged) against moat: a playbook
# makes a profile with lxd_profile, launches a container with it and the
# instance's own config through lxd_container, runs a command in the
# container over the lxd connection plugin (which drives the stock lxc
# client), then changes the profile and runs again (idempotence: nothing
# changed the second time), and removes both. Each effect is checked
# through the API, not from Ansible's own report only.
. "$(dirname "$0")/../lib/lib.sh"

daemon_start
import_busybox_image

export HOME=$T/home ANSIBLE_LOCAL_TEMP=$T/ansible-tmp ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 \
	ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_RETRY_FILES_ENABLED=False
mkdir -p "$HOME" "$ANSIBLE_LOCAL_TEMP"
cat >"$T/inventory" <<INV
[local]
localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3

[containers]
ac1 ansible_connection=community.general.lxd ansible_python_interpreter=/usr/bin/python3
INV

# STATE MEMORY: the playbook (present/absent), the profile's memory limit
playbook() {
	cat >"$T/play.yml" <<PLAY
- hosts: local
  gather_facts: false
  tasks:
    - name: the profile
      community.general.lxd_profile:
        url: unix:$MOAT_DIR/unix.socket
        name: ap1
        state: present
        description: made by ansible
        config:
          limits.memory: "$2"
          user.from: ansible
        devices: {}
    - name: the container
      community.general.lxd_container:
        url: unix:$MOAT_DIR/unix.socket
        name: ac1
        state: started
        source:
          type: image
          alias: bb
        profiles: [default, ap1]
        config:
          user.own: "yes"
        wait_for_ipv4_addresses: false
        timeout: 120
- hosts: containers
  gather_facts: false
  tasks:
    - name: a command in the container, over the lxd connection
      ansible.builtin.raw: echo hello-from-ansible > /root/ansible.txt; cat /root/ansible.txt
      register: out
    - ansible.builtin.assert:
        that: "'hello-from-ansible' in out.stdout"
PLAY
	timeout 300 ansible-playbook -i "$T/inventory" "$T/play.yml" >"$T/ansible.out" 2>&1
}

if playbook present 256MiB; then ok "the playbook ran"; else
	not_ok "the playbook ran"
	tail -30 "$T/ansible.out" | sed 's/^/#   /'
fi
p=$(api GET /1.0/profiles/ap1)
check_eq "lxd_profile made the profile with its config" "256MiB ansible made by ansible" \
	"$(jget "$p" 'd["metadata"]["config"].get("limits.memory","")+" "+d["metadata"]["config"].get("user.from","")+" "+d["metadata"]["description"]')"
i=$(api GET /1.0/instances/ac1)
check_eq "lxd_container launched it with both profiles and its own key" 'Running ["default", "ap1"] yes' \
	"$(jget "$i" 'd["metadata"]["status"]+" "+json.dumps(d["metadata"]["profiles"])+" "+d["metadata"]["config"].get("user.own","")')"
check_eq "the profile's limit reached the container's cgroup" 268435456 "$(cg_read ac1 "$(cg_memory_file)")"
check_eq "the command ran in the container (its file is there)" "hello-from-ansible" \
	"$(timeout 30 lxc exec ac1 -- cat /root/ansible.txt)"
check_match "the run reported changes" 'changed=[1-9]' "$(grep '^localhost' "$T/ansible.out")"

if playbook present 256MiB; then ok "the playbook ran again"; else
	not_ok "the playbook ran again"
	tail -30 "$T/ansible.out" | sed 's/^/#   /'
fi
check_match "the second run of the same playbook changed nothing on the server" 'changed=0' \
	"$(grep '^localhost' "$T/ansible.out")"

if playbook present 128MiB; then ok "the playbook with a new profile limit ran"; else
	not_ok "the playbook with a new profile limit ran"
	tail -30 "$T/ansible.out" | sed 's/^/#   /'
fi
check_eq "the new limit is in the profile" 128MiB \
	"$(jget "$(api GET /1.0/profiles/ap1)" 'd["metadata"]["config"]["limits.memory"]')"
check_eq "and reached the running container at once" 134217728 "$(cg_read ac1 "$(cg_memory_file)")"

cat >"$T/absent.yml" <<PLAY
- hosts: local
  gather_facts: false
  tasks:
    - community.general.lxd_container:
        url: unix:$MOAT_DIR/unix.socket
        name: ac1
        state: absent
        force_stop: true
    - community.general.lxd_profile:
        url: unix:$MOAT_DIR/unix.socket
        name: ap1
        state: absent
PLAY
check "the removal playbook ran" timeout 300 ansible-playbook -i "$T/inventory" "$T/absent.yml"
check_eq "the container is gone" 404 "$(api_status GET /1.0/instances/ac1)"
check_eq "the profile is gone" 404 "$(api_status GET /1.0/profiles/ap1)"
finish
