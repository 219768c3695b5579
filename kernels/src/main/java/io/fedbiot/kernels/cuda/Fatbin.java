package io.fedbiot.kernels.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the table of contents of an nvcc {@code --fatbin} file: which architectures it holds
 * SASS (ELF) for and which PTX it carries, so the build can be checked without a GPU and the
 * backend can say why a device is not covered. Layout (little-endian): a 16-byte header
 * (magic 0xBA55ED50, version, header size, payload size), then entries, each a header
 * (kind 1 = PTX / 2 = ELF at 0, header size at 4, payload size at 8, architecture at 28)
 * followed by its payload.
 */
public final class Fatbin {
    public static final int MAGIC = 0xBA55ED50;

    public enum Kind { PTX, ELF }

    /** One image: kind, sm number (80 = sm_80), payload position and size, compressed flag. */
    public record Entry(Kind kind, int arch, int offset, int size, boolean compressed) {}

    private Fatbin() {}

    /** The entries of a fatbin; a clear error when {@code image} is not one. */
    public static List<Entry> entries(byte[] image, String what) {
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        if (image.length < 16 || b.getInt(0) != MAGIC)
            throw new IllegalArgumentException(what + " is not a CUDA fatbin (no 0xBA55ED50 magic)");
        int headerSize = Short.toUnsignedInt(b.getShort(6));
        long payload = b.getLong(8);
        long end = Math.min(image.length, headerSize + payload);
        List<Entry> out = new ArrayList<>();
        long off = headerSize;
        while (off + 32 <= end) {
            int o = (int) off;
            int kind = Short.toUnsignedInt(b.getShort(o));
            int entryHeader = b.getInt(o + 4);
            long size = b.getLong(o + 8);
            int compressedSize = b.getInt(o + 16);
            int arch = b.getInt(o + 28);
            if (entryHeader <= 0 || size < 0 || off + entryHeader + size > end)
                throw new IllegalArgumentException(what + ": fatbin entry at byte " + off + " runs past the end");
            Kind k = switch (kind) {
                case 1 -> Kind.PTX;
                case 2 -> Kind.ELF;
                default -> throw new IllegalArgumentException(what + ": unknown fatbin entry kind " + kind + " at byte " + off);
            };
            out.add(new Entry(k, arch, o + entryHeader, (int) size, compressedSize != 0));
            off += entryHeader + size;
        }
        return out;
    }

    /** True when the (uncompressed) payload of {@code e} contains {@code text}, e.g. a kernel's section name. */
    public static boolean payloadContains(byte[] image, Entry e, String text) {
        byte[] needle = text.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = e.offset(); i + needle.length <= e.offset() + e.size(); i++) {
            for (int j = 0; j < needle.length; j++) if (image[i + j] != needle[j]) continue outer;
            return true;
        }
        return false;
    }
}
