package dev.asyncrl.env.minatar;

/**
 * Seaquest's moving objects of one kind (friendly bullets, enemy bullets, fish, enemy subs,
 * divers): an ordered list in fixed arrays, so that nothing is allocated per step. Spawn order is
 * kept, as the reference's lists keep it: the reference resolves collisions in list order, and
 * removing an element shifts the rest down.
 */
final class Movers {
    /**
     * Room per kind of object. At most one enemy enters per step and none lives more than about 61
     * steps, so enemies and their bullets stay well below this; bullets and divers are far fewer.
     */
    static final int CAPACITY = 256;

    /** Column and row of each object. */
    final int[] x = new int[CAPACITY];
    final int[] y = new int[CAPACITY];
    /** Heading right (else left). */
    final boolean[] right = new boolean[CAPACITY];
    /** Countdown to the next move (fish, subs, divers). */
    final int[] timer = new int[CAPACITY];
    /** Countdown to the next shot (enemy subs). */
    final int[] shot = new int[CAPACITY];
    int n;

    void add(int px, int py, boolean r, int t, int s) {
        if (n == CAPACITY) throw new IllegalStateException("Seaquest: more than " + CAPACITY + " objects of one kind");
        x[n] = px;
        y[n] = py;
        right[n] = r;
        timer[n] = t;
        shot[n] = s;
        n++;
    }

    /** Removes element i, keeping the order of the rest. */
    void remove(int i) {
        int tail = n - i - 1;
        if (tail > 0) {
            System.arraycopy(x, i + 1, x, i, tail);
            System.arraycopy(y, i + 1, y, i, tail);
            System.arraycopy(right, i + 1, right, i, tail);
            System.arraycopy(timer, i + 1, timer, i, tail);
            System.arraycopy(shot, i + 1, shot, i, tail);
        }
        n--;
    }

    void clear() {
        n = 0;
    }

    /** The first element at (px, py), or -1. */
    int find(int px, int py) {
        for (int i = 0; i < n; i++) {
            if (x[i] == px && y[i] == py) return i;
        }
        return -1;
    }

    /** Objects heading right. */
    int movingRight() {
        int count = 0;
        for (int i = 0; i < n; i++) if (right[i]) count++;
        return count;
    }
}
