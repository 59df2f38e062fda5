/** Shapes of the story model around an anchor: its vocabulary, the evidence behind a score, analyst verdicts. */

/** Where a story term came from: the source piece, items confidently on the story, or analyst feedback. */
export type StoryTermSource = 'piece' | 'coverage' | 'feedback';

/** One term of the story's vocabulary, as the anchor's `story.terms` shows it. */
export interface StoryTerm {
  term: string;
  weight: number;
  source: StoryTermSource;
}

/** One piece of evidence behind an item's score, in a person's terms. */
export interface Evidence {
  kind: 'entity' | 'term' | 'feedback' | 'scope';
  name: string;
  weight: number;
}

/** Why an item scored as it did: its score, the digest threshold and the evidence that counted. */
export interface Why {
  score: number;
  threshold: number;
  evidence: Evidence[];
}

/** An analyst's verdict on one item, with the text the model learns from. */
export interface Judgment {
  title: string;
  summary: string;
  relevant: boolean;
}
