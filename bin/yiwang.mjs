#!/usr/bin/env node
// The `yiwang` command. TypeScript runs through tsx's loader: no build step between a clone and a running city.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
