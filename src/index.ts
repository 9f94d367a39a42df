// The entry the runner starts; everything lives behind run() so tests and
// local-action can import it without side effects.
import { run } from './main'

void run()
