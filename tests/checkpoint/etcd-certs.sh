#!/bin/sh
# Make a throw-away CA, a server certificate for 127.0.0.1 and a client
# certificate in DIR, for the etcd store's TLS test. The server certificate
# serves clients too: etcd's JSON gateway connects to etcd itself with it.
#
#   etcd-certs.sh DIR
set -eu
cd "$1"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$1" 2>/dev/null; }

key ca.key
openssl req -x509 -new -key ca.key -subj /CN=prov-test-ca -days 2 -out ca.pem

sign() { # NAME CN EXTENSIONS
	key "$1.key"
	openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
	printf '%s\n' "$3" > "$1.ext"
	openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
		-extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
sign server 127.0.0.1 "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth,clientAuth"
sign client prov-test-client "extendedKeyUsage=clientAuth"
chmod 600 ./*.key
