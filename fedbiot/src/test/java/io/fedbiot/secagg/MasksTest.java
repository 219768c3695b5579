package io.fedbiot.secagg;

import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.security.SecureRandom;

import static org.junit.jupiter.api.Assertions.*;

class MasksTest {
    @Test
    void pairwiseMasksFromBothEndsOfAKeyAgreementCancel() {
        SecureRandom r = ByteStats.seeded(5);
        KeyPair a = PairKeys.generate(r), b = PairKeys.generate(r);
        byte[] sab = PairKeys.derive(a.getPrivate(), b.getPublic(), PairKeys.Purpose.MASK, 7, 2, 9);
        byte[] sba = PairKeys.derive(b.getPrivate(), a.getPublic(), PairKeys.Purpose.MASK, 7, 9, 2);
        assertArrayEquals(sab, sba, "both ends derive one seed");
        long[] y = new long[1000];
        Masks.add(y, sab, Masks.pairSign(2, 9));
        assertNotEquals(0, y[0]);
        Masks.add(y, sba, Masks.pairSign(9, 2));
        assertArrayEquals(new long[1000], y);
        // Domain separation: another round, purpose or pair gives another seed.
        assertFalse(java.util.Arrays.equals(sab, PairKeys.derive(a.getPrivate(), b.getPublic(), PairKeys.Purpose.MASK, 8, 2, 9)));
        assertFalse(java.util.Arrays.equals(sab, PairKeys.derive(a.getPrivate(), b.getPublic(), PairKeys.Purpose.ENCRYPT, 7, 2, 9)));
        assertFalse(java.util.Arrays.equals(sab, PairKeys.derive(a.getPrivate(), b.getPublic(), PairKeys.Purpose.MASK, 7, 2, 8)));
    }

    @Test
    void theExpansionIsDeterministicUniformAndChunkIndependent() {
        byte[] seed = new byte[32];
        seed[0] = 1;
        long[] big = Masks.expand(seed, 20_000); // crosses several keystream chunks
        assertArrayEquals(big, Masks.expand(seed, 20_000));
        long[] small = Masks.expand(seed, 3);
        assertArrayEquals(java.util.Arrays.copyOf(big, 3), small, "a prefix of the same stream");
        double chi2 = ByteStats.chi2Uniform(ByteStats.histogram(big));
        assertTrue(chi2 < ByteStats.CHI2_255_999, "chi2 " + chi2);
        seed[31] = 1;
        assertNotEquals(big[0], Masks.expand(seed, 1)[0]);
        assertThrows(IllegalArgumentException.class, () -> Masks.expand(new byte[16], 4));
    }

    @Test
    void scalarsRoundTripAndBadPublicKeysAreRefused() {
        SecureRandom r = ByteStats.seeded(6);
        KeyPair a = PairKeys.generate(r), b = PairKeys.generate(r);
        var back = PairKeys.fromScalar(PairKeys.scalar(a.getPrivate()));
        assertArrayEquals(PairKeys.derive(a.getPrivate(), b.getPublic(), PairKeys.Purpose.MASK, 0, 0, 1),
                PairKeys.derive(back, b.getPublic(), PairKeys.Purpose.MASK, 0, 0, 1));
        assertEquals(PairKeys.PUBLIC_BYTES, a.getPublic().getEncoded().length);
        assertThrows(IllegalArgumentException.class, () -> PairKeys.decodePublic(new byte[PairKeys.PUBLIC_BYTES]));
        assertThrows(IllegalArgumentException.class, () -> PairKeys.decodePublic(new byte[3]));
    }
}
