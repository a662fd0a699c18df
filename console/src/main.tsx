import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { absorbSignInLink } from './session.ts';
import './console.css';

absorbSignInLink();
createRoot(document.getElementById('root')!).render(<App />);
