package io.fedbiot.data;

/**
 * One prompted, tokenized example: {@code ids = [BOS] prompt response [EOS]}, {@code mask[j] = 1}
 * exactly on the response tokens and the EOS.
 */
public record TokenizedRow(int[] ids, byte[] mask) {
    public TokenizedRow {
        if (ids.length != mask.length) throw new IllegalArgumentException(ids.length + " ids but " + mask.length + " mask values");
    }

    public int length() {
        return ids.length;
    }
}
