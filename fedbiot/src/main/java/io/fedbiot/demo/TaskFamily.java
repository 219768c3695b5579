package io.fedbiot.demo;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The demo's task families, one per client. Each draws a question with its exact answer in the
 * fine-tuning phrasing ({@link #task}: a question, in the corpus' words), and a statement of the same kind of fact in the pretraining
 * corpus' phrasing ({@link #fact}: bare facts, or a sentence that names numbers or a word and, a
 * little later, the fact about them), which never asks a question or says "The answer is". A task's
 * worked solution restates it as the corpus would (one fixed phrasing per family), so tuning teaches
 * the way from the question to what the model knows, as GSM8K's worked answers do.
 */
public enum TaskFamily {
    /** Sum of two digits, as a story about objects. */
    ADD {
        @Override
        Task task(SplittableRandom r) {
            int a = r.nextInt(10), b = r.nextInt(10);
            String n = pick(r, NAMES), o = pick(r, OBJECTS);
            String q = switch (r.nextInt(3)) {
                case 0 -> n + " has " + count(a, o) + ". " + n + " gets " + b + " more. How many " + o + "s does " + n + " have now?";
                case 1 -> "There are " + count(a, o) + " on the table and " + b + " more come. How many " + o + "s are on the table?";
                default -> "What do " + a + " and " + b + " make together?";
            };
            return new Task(this, q, a + " plus " + b + " equals " + (a + b) + ".", Integer.toString(a + b));
        }

        @Override
        String fact(SplittableRandom r) {
            int a = r.nextInt(10), b = r.nextInt(10), s = a + b;
            String sum = switch (r.nextInt(3)) {
                case 0 -> a + " plus " + b + " equals " + s + ".";
                case 1 -> a + " and " + b + " make " + s + " together.";
                default -> "Adding " + b + " to " + a + " gives " + s + ".";
            };
            String n = pick(r, NAMES), o = pick(r, OBJECTS);
            return switch (r.nextInt(4)) {
                case 0, 1 -> n + " had " + count(a, o) + " and got " + b + " more." + between(r) + a + " plus " + b + " equals " + s + ".";
                case 2 -> "There were " + count(a, o) + " on the table, and " + b + " more came." + between(r) + a + " plus " + b
                        + " equals " + s + ".";
                default -> sum;
            };
        }
    },
    /** The larger of two two-digit numbers. */
    LARGER {
        @Override
        Task task(SplittableRandom r) {
            int[] xy = twoNumbers(r);
            int x = xy[0], y = xy[1];
            String q = switch (r.nextInt(3)) {
                case 0 -> "Which is greater, " + x + " or " + y + "?";
                case 1 -> pick(r, NAMES) + " wrote down " + x + " and " + y + ". Which one is greater?";
                default -> "Of " + x + " and " + y + ", which comes later when counting up?";
            };
            return new Task(this, q, Math.max(x, y) + " is greater than " + Math.min(x, y) + ".", Integer.toString(Math.max(x, y)));
        }

        @Override
        String fact(SplittableRandom r) {
            int[] xy = twoNumbers(r);
            int hi = Math.max(xy[0], xy[1]), lo = Math.min(xy[0], xy[1]);
            String cmp = switch (r.nextInt(3)) {
                case 0 -> hi + " is greater than " + lo + ".";
                case 1 -> lo + " is less than " + hi + ".";
                default -> "Counting up, " + lo + " comes before " + hi + ".";
            };
            return switch (r.nextInt(4)) {
                case 0, 1 -> pick(r, NAMES) + " wrote down " + xy[0] + " and " + xy[1] + "." + between(r) + hi + " is greater than " + lo + ".";
                case 2 -> "The sign showed " + xy[0] + " and " + xy[1] + "." + between(r) + hi + " is greater than " + lo + ".";
                default -> cmp;
            };
        }
    },
    /** A word spelled backwards. */
    REVERSE {
        @Override
        Task task(SplittableRandom r) {
            String w = pick(r, WORDS);
            // Three phrasings with a name: enough distinct questions (> 1,000) for deduplicated training and held-out rows.
            String q = switch (r.nextInt(5)) {
                case 0 -> "What is " + w + " read from right to left?";
                case 1 -> "What is the mirror image of " + w + "?";
                case 2 -> pick(r, NAMES) + " read the word " + w + " aloud. What is its mirror image?";
                case 3 -> pick(r, NAMES) + " asks how " + w + " reads from right to left. What is it?";
                default -> pick(r, NAMES) + " wrote the word " + w + ". How does it read from right to left?";
            };
            String v = new StringBuilder(w).reverse().toString();
            return new Task(this, q, "The mirror image of " + w + " is " + v + ".", v);
        }

        @Override
        String fact(SplittableRandom r) {
            String w = pick(r, WORDS), v = new StringBuilder(w).reverse().toString();
            return switch (r.nextInt(8)) {
                case 0 -> "Read from right to left, " + w + " becomes " + v + ".";
                case 1 -> "The mirror image of " + w + " is " + v + ".";
                default -> context(r, w) + between(r) + "The mirror image of " + w + " is " + v + ".";
            };
        }
    },
    /** A word in capital letters. */
    UPPER {
        @Override
        Task task(SplittableRandom r) {
            String w = pick(r, WORDS);
            String q = switch (r.nextInt(5)) {
                case 0 -> "What is " + w + " in big letters?";
                case 1 -> "How does the word " + w + " look when shouted?";
                case 2 -> pick(r, NAMES) + " read the word " + w + " aloud. How does it look in big letters?";
                case 3 -> pick(r, NAMES) + " shouts the word " + w + ". How is it written?";
                default -> pick(r, NAMES) + " wrote the word " + w + ". How is it written in big letters?";
            };
            String u = w.toUpperCase(Locale.ROOT);
            return new Task(this, q, "In big letters, " + w + " is " + u + ".", u);
        }

        @Override
        String fact(SplittableRandom r) {
            String w = pick(r, WORDS), u = w.toUpperCase(Locale.ROOT);
            return switch (r.nextInt(8)) {
                case 0 -> "In big letters, " + w + " is " + u + ".";
                case 1 -> "Shouted, the word " + w + " looks like " + u + ".";
                default -> context(r, w) + between(r) + "In big letters, " + w + " is " + u + ".";
            };
        }
    };

    /** One generated question, its worked solution (in corpus phrasing) and its exact answer. */
    public record Task(TaskFamily family, String instruction, String solution, String answer) {}

    static final List<String> NAMES = List.of("Ann", "Ben", "Cal", "Dora", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jill");
    static final List<String> OBJECTS = List.of("apple", "coin", "shell", "stamp", "marble", "card", "pen", "cookie");
    /** Short words for the string tasks. */
    public static final List<String> WORDS = List.of("cat", "dog", "sun", "hat", "cup", "box", "fish", "bird", "tree", "milk",
            "book", "lamp", "door", "ship", "frog", "cake", "star", "rose", "moon", "bell", "coat", "desk", "leaf", "nest",
            "ring", "road", "sock", "wolf", "king", "bear", "corn", "drum", "fork", "goat", "hill", "kite", "lion", "mask");

    abstract Task task(SplittableRandom r);

    /**
     * A request in the corpus' instruction documents and the public data, with its answer in corpus
     * phrasing: "Say a fact about 3 and 4." / "3 plus 4 equals 7." The response depends on what the
     * instruction names, so the pretrained model learns to read the instruction (never the tasks' questions).
     */
    String[] request(SplittableRandom r) {
        String ask = "Say a fact about ";
        return switch (this) {
            case ADD -> {
                int a = r.nextInt(10), b = r.nextInt(10);
                yield new String[]{ask + a + " and " + b + ".", a + " plus " + b + " equals " + (a + b) + "."};
            }
            case LARGER -> {
                int[] xy = twoNumbers(r);
                yield new String[]{ask + xy[0] + " and " + xy[1] + ".",
                        Math.max(xy[0], xy[1]) + " is greater than " + Math.min(xy[0], xy[1]) + "."};
            }
            case REVERSE -> {
                String w = pick(r, WORDS);
                yield new String[]{ask + "the word " + w + ".", "The mirror image of " + w + " is " + new StringBuilder(w).reverse() + "."};
            }
            case UPPER -> {
                String w = pick(r, WORDS);
                yield new String[]{ask + "the word " + w + ".", "In big letters, " + w + " is " + w.toUpperCase(Locale.ROOT) + "."};
            }
        };
    }

    abstract String fact(SplittableRandom r);

    /** The family's name in data files: add, larger, reverse, upper. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** A sentence that mentions word w, which a later fact then refers back to (so the model learns to look back). */
    private static String context(SplittableRandom r, String w) {
        return switch (r.nextInt(3)) {
            case 0 -> pick(r, NAMES) + " wrote the word " + w + ".";
            case 1 -> "A card on the door said " + w + ".";
            default -> pick(r, NAMES) + " read " + w + " aloud.";
        };
    }

    /** Nothing, or one unrelated sentence, between a context and its fact. */
    private static String between(SplittableRandom r) {
        return switch (r.nextInt(3)) {
            case 0 -> " It was a sunny day. ";
            case 1 -> " " + pick(r, NAMES) + " smiled. ";
            default -> " ";
        };
    }

    static String pick(SplittableRandom r, List<String> xs) {
        return xs.get(r.nextInt(xs.size()));
    }

    static String count(int n, String object) {
        return n + " " + object + (n == 1 ? "" : "s");
    }

    /** Two different numbers in 10..99. */
    private static int[] twoNumbers(SplittableRandom r) {
        int x = 10 + r.nextInt(90), y;
        do y = 10 + r.nextInt(90); while (y == x);
        return new int[]{x, y};
    }
}
