import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { startBrowserEngine } from '../workers/browser';
import { App } from './App';
import { detectPlatform } from './platform';
import './styles.css';

// Start DuckDB first: it takes seconds, and the UI is usable (and queues jobs) meanwhile.
const engine = startBrowserEngine();
const platform = detectPlatform();

const rootElement = document.getElementById('root');
if (!rootElement) throw new Error('The page has no #root element.');
createRoot(rootElement).render(
  <StrictMode>
    <App engine={engine} platform={platform} />
  </StrictMode>,
);
