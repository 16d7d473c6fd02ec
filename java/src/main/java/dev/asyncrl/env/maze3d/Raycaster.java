package dev.asyncrl.env.maze3d;

/**
 * The first-person view of a {@link Maze}, drawn as Wolfenstein 3D drew its levels: one ray per
 * pixel column, walked through the tile grid by DDA (Amanatides &amp; Woo's digital differential
 * analyser: step to whichever grid line, vertical or horizontal, the ray crosses next) until it
 * enters a wall; the column then shows that wall {@code H / d} pixels high, where d is the hit's
 * perpendicular distance from the camera plane (not the ray's length, which would bend straight
 * walls into a fish-eye). Apples and the portal are billboards: flat shapes that always face the
 * camera, sorted far to near and clipped per column against the walls' depths (a z-buffer of one
 * depth per column).
 *
 * <p>Geometry: a tile is 1 × 1 and walls are 1 high, the eye 0.5 above the floor; the view spans
 * 90° across (the camera plane's half-width is 1 at distance 1) and, with walls {@code H / d}
 * high, 53° up and down (as in Wolfenstein-style raycasters, whose walls look tall). Pixel centres
 * are sampled, so the picture of a symmetric scene is exactly symmetric.
 *
 * <p>Shading: walls carry a brick texture (16 × 16 texels per face); faces that look north or
 * south are darker than those that look east or west, so corners read at a glance; walls,
 * floor, ceiling and billboards fade into a dark fog with distance, e^(−d/8), which tells near
 * from far. The floor and the ceiling are flat colours under the same fog, so each row has one
 * colour, computed once.
 *
 * <p>The picture goes into {@link #frame}, float RGB in [0, 1], channel-major (3, H, W): channel
 * c, row y (0 = top), column x at {@code c·H·W + y·W + x}. Nothing is allocated per picture; about
 * 21,000 floats are written for 84 × 84.
 */
final class Raycaster {
    /** Billboard kinds. */
    static final int APPLE = 0, PORTAL = 1;
    /** The most billboards in one picture. */
    static final int MAX_SPRITES = 64;

    /** Texels per wall face, across and up. */
    static final int TEX = 16;
    /** Fog: a colour keeps e^(−d / FOG_DISTANCE) of itself at distance d (in tiles). */
    static final double FOG_DISTANCE = 8.0;
    /** Billboards nearer than this (in front of the camera plane) are not drawn. */
    static final double NEAR = 0.05;

    static final float[] CEILING = {0.55f, 0.65f, 0.80f};
    static final float[] FLOOR = {0.36f, 0.30f, 0.24f};
    static final float[] WALL = {0.82f, 0.72f, 0.52f};
    static final float[] FOG = {0.12f, 0.12f, 0.15f};
    static final float[] APPLE_RGB = {0.85f, 0.10f, 0.08f};
    static final float[] APPLE_SHINE = {1.00f, 0.75f, 0.70f};
    static final float[] PORTAL_RING = {0.70f, 0.20f, 0.95f};
    static final float[] PORTAL_CORE = {0.95f, 0.90f, 1.00f};
    /** Faces that look north or south are drawn this much darker. */
    static final float NS_SHADE = 0.7f;
    /** Billboard sizes as fractions of a wall's height on screen: apple radius; portal half-width, half-height. */
    static final double APPLE_SIZE = 0.12, PORTAL_HALF_WIDTH = 0.22, PORTAL_HALF_HEIGHT = 0.34;

    /** Brightness of each texel (row-major, row 0 at the top of the wall): bricks and mortar. */
    private static final float[] TEXTURE = bricks();

    final int width, height;
    /** The picture: (3, H, W) channel-major, RGB in [0, 1]. */
    final float[] frame;
    /** Per column: the perpendicular distance to the wall it shows (the z-buffer). */
    private final double[] depth;
    /** Per column: the rows [wallTop, wallBottom) show the wall. */
    private final int[] wallTop, wallBottom;
    /** Per column: where its ray crosses the camera plane, −1 (left edge) to 1 (right edge), at the pixel's centre. */
    private final double[] cameraX;
    /** Per row: the ceiling's or the floor's colour under fog, (3, H). */
    private final float[] background;

    private final double[] spriteX = new double[MAX_SPRITES], spriteY = new double[MAX_SPRITES];
    private final double[] spriteDepth = new double[MAX_SPRITES], spriteLateral = new double[MAX_SPRITES];
    private final int[] spriteKind = new int[MAX_SPRITES], order = new int[MAX_SPRITES];
    private int sprites;

    Raycaster(int width, int height) {
        if (width < 8 || height < 8) throw new IllegalArgumentException("the view must be at least 8 × 8 pixels, got " + width + " × " + height);
        this.width = width;
        this.height = height;
        frame = new float[3 * width * height];
        depth = new double[width];
        wallTop = new int[width];
        wallBottom = new int[width];
        cameraX = new double[width];
        for (int x = 0; x < width; x++) cameraX[x] = (2.0 * x + 1.0) / width - 1.0;
        background = new float[3 * height];
        for (int y = 0; y < height; y++) {
            // The floor (or ceiling) 0.5 below (above) the eye shows at row centre y+0.5 from distance 0.5·H / |y+0.5 − H/2|.
            double off = Math.abs(y + 0.5 - height / 2.0);
            double fog = Math.exp(-(0.5 * height / off) / FOG_DISTANCE);
            float[] base = y + 0.5 < height / 2.0 ? CEILING : FLOOR;
            for (int c = 0; c < 3; c++) background[c * height + y] = (float) (base[c] * fog + FOG[c] * (1 - fog));
        }
    }

    void clearSprites() {
        sprites = 0;
    }

    /** A billboard of {@code kind} standing on the floor at (x, y), in tiles. */
    void addSprite(double x, double y, int kind) {
        if (sprites == MAX_SPRITES) throw new IllegalStateException("more than " + MAX_SPRITES + " billboards");
        spriteX[sprites] = x;
        spriteY[sprites] = y;
        spriteKind[sprites] = kind;
        sprites++;
    }

    /**
     * Draws the view from (px, py), in tiles, looking along the unit vector (dirX, dirY) (x east,
     * y south; the camera's right is (−dirY, dirX)), with the billboards added since
     * {@link #clearSprites()}.
     */
    void render(Maze maze, double px, double py, double dirX, double dirY) {
        int w = width, h = height, plane = w * h;
        double rightX = -dirY, rightY = dirX;
        for (int x = 0; x < w; x++) {
            double rdx = dirX + rightX * cameraX[x], rdy = dirY + rightY * cameraX[x];
            int mx = (int) Math.floor(px), my = (int) Math.floor(py);
            // The ray's length per unit of x (and of y): from one vertical (horizontal) grid line to the next.
            double ddx = rdx == 0 ? Double.POSITIVE_INFINITY : Math.abs(1 / rdx);
            double ddy = rdy == 0 ? Double.POSITIVE_INFINITY : Math.abs(1 / rdy);
            int sx = rdx < 0 ? -1 : 1, sy = rdy < 0 ? -1 : 1;
            double sdx = (rdx < 0 ? px - mx : mx + 1 - px) * ddx;  // to the first vertical grid line
            double sdy = (rdy < 0 ? py - my : my + 1 - py) * ddy;
            boolean ns;  // the face hit looks north or south (the ray crossed a horizontal line)
            do {
                if (sdx < sdy) {
                    sdx += ddx;
                    mx += sx;
                    ns = false;
                } else {
                    sdy += ddy;
                    my += sy;
                    ns = true;
                }
            } while (!maze.wall(mx, my));  // the border is solid: every ray stops
            // (dirX, dirY) + cameraX·(right) has unit length along dir, so the ray parameter is the perpendicular distance.
            double d = Math.max(1e-6, ns ? sdy - ddy : sdx - ddx);
            depth[x] = d;

            double along = ns ? px + d * rdx : py + d * rdy;  // where on the face the ray hit, in tiles
            int tu = Math.min(TEX - 1, (int) ((along - Math.floor(along)) * TEX));
            double lineHeight = h / d;
            double top = h / 2.0 - lineHeight / 2.0;
            int y0 = clamp((int) Math.ceil(top - 0.5), h), y1 = clamp((int) Math.ceil(top + lineHeight - 0.5), h);
            wallTop[x] = y0;
            wallBottom[x] = y1;

            double fog = Math.exp(-d / FOG_DISTANCE);
            float shade = (float) (fog * (ns ? NS_SHADE : 1f));
            float keepR = WALL[0] * shade, keepG = WALL[1] * shade, keepB = WALL[2] * shade;
            float fogR = (float) (FOG[0] * (1 - fog)), fogG = (float) (FOG[1] * (1 - fog)), fogB = (float) (FOG[2] * (1 - fog));
            double texPerRow = TEX / lineHeight;
            for (int y = 0; y < y0; y++) {
                int i = y * w + x;
                frame[i] = background[y];
                frame[plane + i] = background[h + y];
                frame[2 * plane + i] = background[2 * h + y];
            }
            for (int y = y0; y < y1; y++) {
                int tv = Math.min(TEX - 1, (int) ((y + 0.5 - top) * texPerRow));
                float b = TEXTURE[tv * TEX + tu];
                int i = y * w + x;
                frame[i] = keepR * b + fogR;
                frame[plane + i] = keepG * b + fogG;
                frame[2 * plane + i] = keepB * b + fogB;
            }
            for (int y = y1; y < h; y++) {
                int i = y * w + x;
                frame[i] = background[y];
                frame[plane + i] = background[h + y];
                frame[2 * plane + i] = background[2 * h + y];
            }
        }
        drawSprites(px, py, dirX, dirY);
    }

    /** The billboards in front of the camera, far to near, each column behind its wall skipped. */
    private void drawSprites(double px, double py, double dirX, double dirY) {
        int visible = 0;
        for (int s = 0; s < sprites; s++) {
            double rx = spriteX[s] - px, ry = spriteY[s] - py;
            spriteDepth[s] = rx * dirX + ry * dirY;
            spriteLateral[s] = rx * -dirY + ry * dirX;
            if (spriteDepth[s] > NEAR) order[visible++] = s;
        }
        for (int k = 1; k < visible; k++) {  // insertion sort, deepest first: a handful of billboards
            int s = order[k];
            int j = k - 1;
            while (j >= 0 && spriteDepth[order[j]] < spriteDepth[s]) {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = s;
        }
        for (int k = 0; k < visible; k++) {
            int s = order[k];
            drawSprite(spriteKind[s], spriteDepth[s], spriteLateral[s]);
        }
    }

    private void drawSprite(int kind, double d, double lateral) {
        int w = width, h = height, plane = w * h;
        double scale = h / d;  // pixels per wall height at this depth
        double cx = w / 2.0 * (1 + lateral / d);
        double floorY = h / 2.0 + 0.5 * scale;
        double halfW, halfH, cy;
        if (kind == APPLE) {
            halfW = halfH = APPLE_SIZE * scale;
            cy = floorY - halfH;
        } else {
            halfW = PORTAL_HALF_WIDTH * scale;
            halfH = PORTAL_HALF_HEIGHT * scale;
            cy = floorY - halfH - 0.06 * scale;  // it hovers a little
        }
        int x0 = clamp((int) Math.ceil(cx - halfW - 0.5), w), x1 = clamp((int) Math.ceil(cx + halfW - 0.5), w);
        int y0 = clamp((int) Math.ceil(cy - halfH - 0.5), h), y1 = clamp((int) Math.ceil(cy + halfH - 0.5), h);
        double fog = Math.exp(-d / FOG_DISTANCE);
        for (int x = x0; x < x1; x++) {
            if (d >= depth[x]) continue;  // behind this column's wall
            double u = (x + 0.5 - cx) / halfW;
            for (int y = y0; y < y1; y++) {
                double v = (y + 0.5 - cy) / halfH;
                double r2 = u * u + v * v;
                if (r2 > 1) continue;
                float[] rgb;
                if (kind == APPLE) rgb = (u + 0.35) * (u + 0.35) + (v + 0.4) * (v + 0.4) < 0.06 ? APPLE_SHINE : APPLE_RGB;
                else rgb = r2 > 0.4 ? PORTAL_RING : PORTAL_CORE;
                int i = y * w + x;
                frame[i] = (float) (rgb[0] * fog + FOG[0] * (1 - fog));
                frame[plane + i] = (float) (rgb[1] * fog + FOG[1] * (1 - fog));
                frame[2 * plane + i] = (float) (rgb[2] * fog + FOG[2] * (1 - fog));
            }
        }
    }

    private static int clamp(int v, int hi) {
        return Math.max(0, Math.min(hi, v));
    }

    // ---- what the last picture measured, for tests ----

    /** The perpendicular distance of the wall column x shows. */
    double wallDistance(int x) {
        return depth[x];
    }

    /** Rows of column x that show the wall. */
    int wallRows(int x) {
        return wallBottom[x] - wallTop[x];
    }

    /** The first row of column x that shows the wall. */
    int wallTop(int x) {
        return wallTop[x];
    }

    /** The background colour (no wall, no billboard) of channel c in row y. */
    float background(int c, int y) {
        return background[c * height + y];
    }

    /**
     * Four courses of bricks per face, two bricks each, every other course offset by half a brick;
     * one texel of mortar (0.55) between; each brick a little lighter or darker (0.85–1.0) by a
     * fixed pattern, so that a long wall does not look like one repeated tile.
     */
    private static float[] bricks() {
        float[] t = new float[TEX * TEX];
        int course = TEX / 4, brick = TEX / 2;
        for (int v = 0; v < TEX; v++) {
            int row = v / course;
            int shift = row % 2 == 0 ? 0 : brick / 2;
            for (int u = 0; u < TEX; u++) {
                int su = (u + shift) % TEX;
                boolean mortar = v % course == course - 1 || su % brick == brick - 1;
                int id = row * 2 + su / brick;
                t[v * TEX + u] = mortar ? 0.55f : 0.85f + 0.05f * ((id * 7) % 4);
            }
        }
        return t;
    }
}
