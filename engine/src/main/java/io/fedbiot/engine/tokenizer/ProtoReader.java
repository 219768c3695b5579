package io.fedbiot.engine.tokenizer;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A minimal protobuf wire-format reader (varint, 64-bit, length-delimited, 32-bit fields). It is
 * all that reading one message type (SentencePiece's ModelProto) needs, so the project avoids
 * protobuf-java and protoc code generation for it. Little-endian per the wire format; unknown
 * fields are skipped by the caller with {@link #skip}.
 */
final class ProtoReader {
    static final int VARINT = 0, FIXED64 = 1, LENGTH_DELIMITED = 2, FIXED32 = 5;

    private final byte[] data;
    private int pos;
    private final int limit;
    private int tag;

    ProtoReader(byte[] data) {
        this(data, 0, data.length);
    }

    private ProtoReader(byte[] data, int from, int limit) {
        this.data = data;
        this.pos = from;
        this.limit = limit;
    }

    /** Reads the next field key; false at the end of this message. */
    boolean next() throws IOException {
        if (pos >= limit) return false;
        long key = readVarint();
        tag = (int) key;
        if (fieldNumber() == 0) throw new IOException("invalid protobuf field number 0 at byte " + pos);
        return true;
    }

    int fieldNumber() {
        return tag >>> 3;
    }

    int wireType() {
        return tag & 7;
    }

    long readVarint() throws IOException {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = readByte();
            result |= (long) (b & 0x7F) << shift;
            if (b >= 0) return result;
        }
        throw new IOException("malformed protobuf varint ending at byte " + pos);
    }

    /** An int32/enum field: negative values are sent as 10-byte varints, so truncate to 32 bits. */
    int readInt32() throws IOException {
        expect(VARINT);
        return (int) readVarint();
    }

    boolean readBool() throws IOException {
        expect(VARINT);
        return readVarint() != 0;
    }

    float readFloat() throws IOException {
        expect(FIXED32);
        require(4);
        int bits = (data[pos] & 0xFF) | (data[pos + 1] & 0xFF) << 8 | (data[pos + 2] & 0xFF) << 16 | (data[pos + 3] & 0xFF) << 24;
        pos += 4;
        return Float.intBitsToFloat(bits);
    }

    String readString() throws IOException {
        int n = readLength();
        String s = new String(data, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    /** A reader over the embedded message of this length-delimited field. */
    ProtoReader readMessage() throws IOException {
        int n = readLength();
        ProtoReader sub = new ProtoReader(data, pos, pos + n);
        pos += n;
        return sub;
    }

    void skip() throws IOException {
        switch (wireType()) {
            case VARINT -> readVarint();
            case FIXED64 -> advance(8);
            case LENGTH_DELIMITED -> advance(readLength());
            case FIXED32 -> advance(4);
            default -> throw new IOException("unsupported protobuf wire type " + wireType() + " for field "
                    + fieldNumber() + " at byte " + pos);
        }
    }

    private int readLength() throws IOException {
        expect(LENGTH_DELIMITED);
        long n = readVarint();
        if (n < 0 || n > limit - pos) throw new EOFException("protobuf field " + fieldNumber() + " of " + n
                + " bytes runs past the end of its message (byte " + pos + " of " + limit + ")");
        return (int) n;
    }

    private void expect(int wireType) throws IOException {
        if (wireType() != wireType) throw new IOException("protobuf field " + fieldNumber() + " has wire type "
                + wireType() + ", expected " + wireType);
    }

    private byte readByte() throws IOException {
        require(1);
        return data[pos++];
    }

    private void advance(int n) throws IOException {
        require(n);
        pos += n;
    }

    private void require(int n) throws IOException {
        if (n > limit - pos) throw new EOFException("protobuf message truncated at byte " + pos + " (needs "
                + n + " more, " + (limit - pos) + " left)");
    }
}
