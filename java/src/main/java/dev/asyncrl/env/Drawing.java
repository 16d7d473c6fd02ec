package dev.asyncrl.env;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.function.Consumer;

/**
 * What the environments' {@link Renderable#render()} drawings share: a white RGB canvas and
 * antialiased Java2D. No text is drawn anywhere, so rendering needs no fonts on a headless machine.
 */
public final class Drawing {
    private Drawing() {}

    /** A new white picture of {@code width} × {@code height} pixels, drawn on by {@code painter} with antialiasing on. */
    public static BufferedImage picture(int width, int height, Consumer<Graphics2D> painter) {
        BufferedImage img = canvas(width, height);
        Graphics2D g = img.createGraphics();
        smooth(g);
        painter.accept(g);
        g.dispose();
        return img;
    }

    private static BufferedImage canvas(int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.dispose();
        return img;
    }

    private static void smooth(Graphics2D g) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
    }
}
