// OpenSSL's libcrypto, for SHA-256 of uploads (hardware-accelerated where the CPU has SHA extensions).
#include <openssl/evp.h>
