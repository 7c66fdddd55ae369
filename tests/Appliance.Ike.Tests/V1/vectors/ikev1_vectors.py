#!/usr/bin/env python3
"""Independent IKEv1 (RFC 2409) key derivation vectors, written from the RFC text with hashlib/hmac only.

Writes ikev1_vectors.json next to this script; tests/Appliance.Ike.Tests/V1/KeyDerivationVectorTests.cs checks
the C# responder's derivation against it. Inputs are fixed byte patterns so the output is reproducible.
"""
import hashlib
import hmac
import json
import os


def pattern(n, seed):
    return bytes((seed + 7 * i) & 0xFF for i in range(n))


def prf(alg, key, data):
    return hmac.new(key, data, alg).digest()


def expand_key(alg, skeyid_e, length):
    # RFC 2409 Appendix B: use SKEYID_e directly if long enough, else K1 = prf(SKEYID_e, 0), Kn = prf(SKEYID_e, Kn-1).
    if len(skeyid_e) >= length:
        return skeyid_e[:length]
    out = b""
    k = prf(alg, skeyid_e, b"\x00")
    out += k
    while len(out) < length:
        k = prf(alg, skeyid_e, k)
        out += k
    return out[:length]


def keymat(alg, skeyid_d, gxy_qm, protocol, spi, ni, nr, length):
    # RFC 2409 5.5: KEYMAT = K1 | K2 ..., K1 = prf(SKEYID_d, [g^xy |] protocol | SPI | Ni_b | Nr_b), Kn = prf(SKEYID_d, Kn-1 | ...)
    seed = gxy_qm + bytes([protocol]) + spi.to_bytes(4, "big") + ni + nr
    k = prf(alg, skeyid_d, seed)
    out = k
    while len(out) < length:
        k = prf(alg, skeyid_d, k + seed)
        out += k
    return out[:length]


def case(name, alg, key_bytes, block, pfs):
    psk = b"correct horse battery staple"
    ni, nr = pattern(32, 1), pattern(32, 2)
    cky_i, cky_r = pattern(8, 3), pattern(8, 4)
    gxi, gxr, gxy = pattern(128, 5), pattern(128, 6), pattern(128, 7)
    sai_b = pattern(52, 8)
    idii_b = bytes([1, 17, 1, 244]) + bytes([192, 0, 2, 10])
    idir_b = bytes([1, 0, 0, 0]) + bytes([198, 51, 100, 1])
    last_p1_block = pattern(block, 9)
    mid = 0x1234ABCD
    qm_ni, qm_nr = pattern(16, 10), pattern(24, 11)
    gxy_qm = pattern(256, 12) if pfs else b""
    spi_in, spi_out = 0xC0FFEE01, 0x0BADF00D
    keymat_len = 32 + 32

    skeyid = prf(alg, psk, ni + nr)
    d = prf(alg, skeyid, gxy + cky_i + cky_r + b"\x00")
    a = prf(alg, skeyid, d + gxy + cky_i + cky_r + b"\x01")
    e = prf(alg, skeyid, a + gxy + cky_i + cky_r + b"\x02")
    enc = expand_key(alg, e, key_bytes)
    h = hashlib.new(alg)
    h.update(gxi + gxr)
    iv1 = h.digest()[:block]
    h2 = hashlib.new(alg)
    h2.update(last_p1_block + mid.to_bytes(4, "big"))
    iv2 = h2.digest()[:block]
    hash_i = prf(alg, skeyid, gxi + gxr + cky_i + cky_r + sai_b + idii_b)
    hash_r = prf(alg, skeyid, gxr + gxi + cky_r + cky_i + sai_b + idir_b)
    hash3 = prf(alg, a, b"\x00" + mid.to_bytes(4, "big") + qm_ni + qm_nr)
    km_in = keymat(alg, d, gxy_qm, 3, spi_in, qm_ni, qm_nr, keymat_len)
    km_out = keymat(alg, d, gxy_qm, 3, spi_out, qm_ni, qm_nr, keymat_len)
    nat_d = hashlib.new(alg, cky_i + cky_r + bytes([203, 0, 113, 5]) + (4500).to_bytes(2, "big")).digest()
    x = lambda b: b.hex()
    return {
        "name": name, "hash": alg, "keyBytes": key_bytes, "blockSize": block, "pfs": pfs,
        "psk": x(psk), "ni": x(ni), "nr": x(nr), "ckyI": x(cky_i), "ckyR": x(cky_r), "gxi": x(gxi), "gxr": x(gxr), "gxy": x(gxy),
        "saiB": x(sai_b), "idiiB": x(idii_b), "idirB": x(idir_b), "lastPhase1Block": x(last_p1_block), "messageId": mid,
        "qmNi": x(qm_ni), "qmNr": x(qm_nr), "gxyQm": x(gxy_qm), "spiIn": spi_in, "spiOut": spi_out, "keymatLength": keymat_len,
        "skeyid": x(skeyid), "skeyidD": x(d), "skeyidA": x(a), "skeyidE": x(e), "encryptionKey": x(enc),
        "phase1Iv": x(iv1), "phase2Iv": x(iv2), "hashI": x(hash_i), "hashR": x(hash_r), "hash3": x(hash3),
        "keymatIn": x(km_in), "keymatOut": x(km_out), "natD": x(nat_d),
    }


def main():
    cases = [
        case("aes256-sha1-modp1024", "sha1", 32, 16, False),
        case("aes256-sha1-pfs", "sha1", 32, 16, True),
        case("aes128-sha256", "sha256", 16, 16, False),
        case("aes256-sha256-pfs", "sha256", 32, 16, True),
        case("3des-sha1", "sha1", 24, 8, False),
        case("aes256-sha384", "sha384", 32, 16, False),
    ]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ikev1_vectors.json")
    with open(path, "w") as f:
        json.dump(cases, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
