"""What the person sees and presses: one scene per state, drawn by pygame (screen) or in a terminal."""
