// zx cannot load TypeScript by itself: tsx's loader is registered here, before any .ts import.
import { register } from 'tsx/esm/api';

register();
