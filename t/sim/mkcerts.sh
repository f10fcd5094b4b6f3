#!/bin/sh
# mkcerts.sh DIR -- make a throw-away test PKI for the simulated WHOOP service.
#
# In DIR:
#   ca.pem ca.key                 test CA (the only root the tests trust)
#   server.pem server.key         leaf for IP:127.0.0.1, IP:::1, DNS:localhost
#   wronghost.pem wronghost.key   leaf from the same CA, but only DNS:wrong.example
#   untrusted.pem untrusted.key   self-signed leaf for 127.0.0.1 (no trusted issuer)
#
# EC P-256 keys (fast to make), every file 0600.  Nothing here is secret
# outside a test run; the keys die with the test directory.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: mkcerts.sh DIR" >&2
	exit 2
fi
dir=$1
umask 077
mkdir -p "$dir"

tmp=$(mktemp -d "$dir/.mkcerts.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# Our own minimal config, so the result does not depend on the
# system openssl.cnf (which may add or omit extensions).
cat >"$tmp/cnf" <<'EOF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ server_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = IP:127.0.0.1, IP:::1, DNS:localhost
[ wrong_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:wrong.example
[ self_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = IP:127.0.0.1, DNS:localhost
EOF

days=30
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"

# serial: 64 random bits, so two runs never collide in a client's cache
serial() {
	echo "0x$(openssl rand -hex 8)"
}

# leaf NAME CN EXT: key + CSR, then signed by the test CA
leaf() {
	# shellcheck disable=SC2086
	openssl req -new $ec -config "$tmp/cnf" -subj "/CN=$2" \
	    -keyout "$tmp/$1.key" -out "$tmp/$1.csr" 2>/dev/null
	openssl x509 -req -in "$tmp/$1.csr" -CA "$tmp/ca.pem" \
	    -CAkey "$tmp/ca.key" -set_serial "$(serial)" -days "$days" \
	    -extfile "$tmp/cnf" -extensions "$3" -out "$tmp/$1.pem" 2>/dev/null
}

# shellcheck disable=SC2086
openssl req -x509 $ec -config "$tmp/cnf" -extensions ca_ext \
    -subj "/CN=whoopsim test CA" -set_serial "$(serial)" -days "$days" \
    -keyout "$tmp/ca.key" -out "$tmp/ca.pem" 2>/dev/null
leaf server 127.0.0.1 server_ext
leaf wronghost wrong.example wrong_ext
# shellcheck disable=SC2086
openssl req -x509 $ec -config "$tmp/cnf" -extensions self_ext \
    -subj "/CN=127.0.0.1" -set_serial "$(serial)" -days "$days" \
    -keyout "$tmp/untrusted.key" -out "$tmp/untrusted.pem" 2>/dev/null

for f in ca server wronghost untrusted; do
	chmod 600 "$tmp/$f.pem" "$tmp/$f.key"
	mv -f "$tmp/$f.key" "$dir/$f.key"
	mv -f "$tmp/$f.pem" "$dir/$f.pem"
done
