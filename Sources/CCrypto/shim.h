// OpenSSL's libcrypto, for SHA-256 of uploads (hardware-accelerated where the CPU has SHA extensions), the PDF
// security handler's AES, and HMAC-SHA256 for signing webhooks.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
