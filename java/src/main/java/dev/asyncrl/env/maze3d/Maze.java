package dev.asyncrl.env.maze3d;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A maze of n × n cells laid out as a grid of (2n+1) × (2n+1) square tiles, each a wall or open
 * floor, as a Wolfenstein-style raycaster reads it: cell (i, j) is the tile (2i+1, 2j+1), the tile
 * between two neighbouring cells is open when they are joined, and the even rows and columns
 * between are solid. The border is always wall.
 *
 * <pre>
 *   #######        n = 3: cells at the odd tiles;
 *   #.....#        a passage opens the tile between two cells
 *   #.###.#
 *   #...#.#
 *   ###.#.#
 *   #.....#
 *   #######
 * </pre>
 *
 * {@link #generate} carves a perfect maze (exactly one path between any two cells) with the
 * recursive backtracker, a depth-first walk that leaves long winding corridors, then knocks out
 * {@code loops} more walls between cells so that there is more than one way round. It draws only
 * from the stream it is given and allocates nothing: the buffers are sized for {@link #MAX_CELLS}
 * once, so a new maze every episode costs no garbage.
 */
final class Maze {
    /** The largest side in cells. */
    static final int MAX_CELLS = 15;
    /** The largest side in tiles. */
    static final int MAX_TILES = 2 * MAX_CELLS + 1;

    /** wall[ty * tiles + tx]: the tile is solid. Only the first tiles² entries are in use. */
    private final boolean[] wall = new boolean[MAX_TILES * MAX_TILES];
    /** The backtracker's stack of cells (i + j·n) and whether each cell has been visited. */
    private final int[] stack = new int[MAX_CELLS * MAX_CELLS];
    private final boolean[] visited = new boolean[MAX_CELLS * MAX_CELLS];
    private final int[] choices = new int[4];
    private int cells;
    private int tiles;

    /** Side in cells. */
    int cells() {
        return cells;
    }

    /** Side in tiles, 2·cells + 1. */
    int tiles() {
        return tiles;
    }

    /** Whether tile (tx, ty) is solid; everything outside the grid is. */
    boolean wall(int tx, int ty) {
        return tx < 0 || ty < 0 || tx >= tiles || ty >= tiles || wall[ty * tiles + tx];
    }

    /** The tile coordinate of cell index i (a column or a row). */
    static int tileOf(int i) {
        return 2 * i + 1;
    }

    /**
     * Carves a new maze of {@code n} × {@code n} cells: a perfect maze by the recursive backtracker
     * from a random cell, then up to {@code loops} extra openings between neighbouring cells still
     * walled off from each other (fewer only if the maze runs out of such walls).
     */
    void generate(int n, int loops, SplittableRandom rng) {
        if (n < 2 || n > MAX_CELLS) throw new IllegalArgumentException("maze side must be in [2, " + MAX_CELLS + "] cells, got " + n);
        if (loops < 0) throw new IllegalArgumentException("loops must be >= 0, got " + loops);
        cells = n;
        tiles = 2 * n + 1;
        Arrays.fill(wall, 0, tiles * tiles, true);
        Arrays.fill(visited, 0, n * n, false);

        int start = rng.nextInt(n * n);
        int top = 0;
        stack[top++] = start;
        visited[start] = true;
        open(start % n, start / n);
        while (top > 0) {
            int c = stack[top - 1];
            int i = c % n, j = c / n;
            int count = 0;
            if (i > 0 && !visited[c - 1]) choices[count++] = c - 1;
            if (i < n - 1 && !visited[c + 1]) choices[count++] = c + 1;
            if (j > 0 && !visited[c - n]) choices[count++] = c - n;
            if (j < n - 1 && !visited[c + n]) choices[count++] = c + n;
            if (count == 0) {
                top--;  // a dead end: back up
                continue;
            }
            int next = choices[rng.nextInt(count)];
            visited[next] = true;
            join(c, next);
            stack[top++] = next;
        }

        // Loops: a random cell and its east or south neighbour; open the wall between if it is shut.
        int opened = 0;
        for (int attempt = 0; opened < loops && attempt < 64 * (loops + 1); attempt++) {
            int i = rng.nextInt(n), j = rng.nextInt(n);
            boolean east = rng.nextBoolean();
            if (east ? i == n - 1 : j == n - 1) continue;
            int tx = east ? tileOf(i) + 1 : tileOf(i), ty = east ? tileOf(j) : tileOf(j) + 1;
            if (wall[ty * tiles + tx]) {
                wall[ty * tiles + tx] = false;
                opened++;
            }
        }
    }

    private void open(int i, int j) {
        wall[tileOf(j) * tiles + tileOf(i)] = false;
    }

    /** Opens cell b and the tile between neighbouring cells a and b. */
    private void join(int a, int b) {
        int ai = a % cells, aj = a / cells, bi = b % cells, bj = b / cells;
        open(bi, bj);
        wall[(tileOf(aj) + tileOf(bj)) / 2 * tiles + (tileOf(ai) + tileOf(bi)) / 2] = false;
    }

    /**
     * Test hook and the env's hook for hand-made maps: sets the tiles from rows of text, '#' a wall
     * and anything else floor. The map must be square, at most {@link #MAX_TILES} a side; its
     * "cells" are its odd tiles, as in a generated maze.
     */
    void load(String... rows) {
        int t = rows.length;
        if (t < 3 || t > MAX_TILES) throw new IllegalArgumentException("map must have 3 to " + MAX_TILES + " rows, got " + t);
        tiles = t;
        cells = (t - 1) / 2;
        for (int ty = 0; ty < t; ty++) {
            if (rows[ty].length() != t) throw new IllegalArgumentException("map row " + ty + " has " + rows[ty].length() + " tiles, not " + t);
            for (int tx = 0; tx < t; tx++) wall[ty * t + tx] = rows[ty].charAt(tx) == '#';
        }
    }
}
