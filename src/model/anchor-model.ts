import type { StoryTerm } from './story.ts';

/** What the last compile of an anchor found that its record does not hold: the story's current vocabulary. */
export interface AnchorModelSummary {
  /** The anchor version it was compiled from. */
  version: number;
  storyTerms: StoryTerm[];
  /** Epoch ms of the compile. */
  compiledAt: number;
}
